/// The live status page served at `/`: polls `/status` every second and shows, per stream, the last frame sent to
/// the endpoint with the detections drawn on it (SageMaker object-detection output, COCO class names), and the
/// stream's counters. Self-contained: no external scripts or fonts.
enum StatusPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>kithost status</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1.5rem;background:#111;color:#eee}
        h1{font-size:1.3rem;margin:0 0 .3rem} #worker{color:#aaa;margin-bottom:1rem}
        .grid{display:flex;flex-wrap:wrap;gap:1rem}
        .card{background:#1d1d1d;border-radius:8px;padding:.8rem;width:420px}
        .card h2{font-size:1rem;margin:0 0 .5rem;word-break:break-all}
        canvas{width:100%;background:#000;border-radius:4px}
        table{width:100%;font-size:.85rem;border-collapse:collapse} td{padding:2px 4px} td:last-child{text-align:right}
        .det{font-size:.85rem;color:#8f8;min-height:1.2em}
        </style></head><body>
        <h1>kithost</h1><div id="worker">connecting…</div><div class="grid" id="streams"></div>
        <script>
        const COCO=["person","bicycle","car","motorcycle","airplane","bus","train","truck","boat","traffic light",
        "fire hydrant","stop sign","parking meter","bench","bird","cat","dog","horse","sheep","cow","elephant","bear",
        "zebra","giraffe","backpack","umbrella","handbag","tie","suitcase","frisbee","skis","snowboard","sports ball",
        "kite","baseball bat","baseball glove","skateboard","surfboard","tennis racket","bottle","wine glass","cup",
        "fork","knife","spoon","bowl","banana","apple","sandwich","orange","broccoli","carrot","hot dog","pizza",
        "donut","cake","chair","couch","potted plant","bed","dining table","toilet","tv","laptop","mouse","remote",
        "keyboard","cell phone","microwave","oven","toaster","sink","refrigerator","book","clock","vase","scissors",
        "teddy bear","hair drier","toothbrush"];
        const cards={};
        function card(name){
          if(cards[name])return cards[name];
          const el=document.createElement('div');el.className='card';
          el.innerHTML='<h2></h2><canvas width="640" height="360"></canvas><div class="det"></div><table></table>';
          el.querySelector('h2').textContent=name;document.getElementById('streams').appendChild(el);
          cards[name]={el,img:new Image(),shown:null};return cards[name];
        }
        function detections(b64){
          try{const o=JSON.parse(atob(b64||''));return Array.isArray(o.prediction)?o.prediction:[];}catch(e){return [];}
        }
        function draw(c,s){
          const canvas=c.el.querySelector('canvas'),ctx=canvas.getContext('2d');
          const preds=detections(s.lastOutputBase64).filter(p=>p.length>=6&&p[1]>=0.5);
          c.img.onload=()=>{
            canvas.width=c.img.naturalWidth;canvas.height=c.img.naturalHeight;ctx.drawImage(c.img,0,0);
            ctx.lineWidth=Math.max(2,canvas.width/320);ctx.font=(canvas.width/32|0)+'px sans-serif';
            for(const p of preds){
              const [cls,score,x0,y0,x1,y1]=p,W=canvas.width,H=canvas.height;
              ctx.strokeStyle='#0f0';ctx.strokeRect(x0*W,y0*H,(x1-x0)*W,(y1-y0)*H);
              ctx.fillStyle='#0f0';ctx.fillText((COCO[cls]||('class '+cls))+' '+score.toFixed(2),x0*W+4,y0*H+canvas.width/30);
            }
          };
          c.img.src='/streams/'+encodeURIComponent(s.stream)+'/latest?'+s.records;
          c.el.querySelector('.det').textContent=preds.map(p=>(COCO[p[0]]||p[0])+' '+p[1].toFixed(2)).join(', ');
        }
        async function tick(){
          try{
            const st=await (await fetch('/status')).json();
            document.getElementById('worker').textContent='worker '+st.workerId+' · endpoint '+st.endpoint+
              ' · leases '+st.leasesHeld.length+' · workers seen '+st.workersSeen+' · backlog '+st.inferenceBacklog;
            for(const s of st.streams){
              const c=card(s.stream);
              const rows=[['fragments',s.fragments],['key frames',s.keyFrames],['records',s.records],
                ['skipped',s.skipped],['inference errors',s.inferenceErrors],
                ['lag (ms behind now)',s.millisBehindNow??'–'],
                ['endpoint latency (ms)',s.lastEndpointLatencyMillis!=null?s.lastEndpointLatencyMillis.toFixed(1):'–'],
                ['ingest → result (ms)',s.lastIngestToProcessMillis??'–'],['checkpoint',s.checkpointedFragment??'–']];
              c.el.querySelector('table').innerHTML=rows.map(r=>'<tr><td>'+r[0]+'</td><td>'+r[1]+'</td></tr>').join('');
              if(s.records>0&&c.shown!==s.records){c.shown=s.records;draw(c,s);}
            }
          }catch(e){document.getElementById('worker').textContent='status unavailable: '+e;}
        }
        tick();setInterval(tick,1000);
        </script></body></html>
        """
}
